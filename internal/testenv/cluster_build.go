package testenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// clusterPrograms are the packages of the test/cluster module that make a cluster.
var clusterPrograms = []string{
	"./cmd/etcd",
	"k8s.io/kubernetes/cmd/kube-apiserver",
	"k8s.io/kubernetes/cmd/kube-controller-manager",
	"k8s.io/kubernetes/cmd/kube-scheduler",
	"sigs.k8s.io/kwok/cmd/kwok",
}

type clusterBin struct {
	dir    string // holds one executable per program, named after its last path element
	stages string // kwok's stage configuration
}

// clusterBinaries returns the cluster's programs, building them when the cache holds none
// built from the current test/cluster module. The cache is
// ${XDG_CACHE_HOME:-~/.cache}/x-platform/cluster/<k8s version>-<go version>; a lock file
// keeps concurrent test binaries from building at once, and programs are built into a
// temporary directory and renamed into place, so nobody sees half a file.
func clusterBinaries(ctx context.Context, logf func(string, ...any)) (clusterBin, error) {
	src, err := clusterModule()
	if err != nil {
		return clusterBin{}, err
	}
	bin := clusterBin{stages: filepath.Join(src, "stages", "kwok.yaml")}
	goVersion, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return bin, fmt.Errorf("asking go for its version: %w", err)
	}
	goMod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return bin, fmt.Errorf("reading the cluster module: %w", err)
	}
	m := regexp.MustCompile(`(?m)^\s*k8s\.io/kubernetes\s+v(\d+)\.(\d+)\.\S+`).FindSubmatch(goMod)
	if m == nil {
		return bin, errors.New("reading the cluster module: it requires no k8s.io/kubernetes")
	}
	k8sVersion := strings.TrimSpace(string(m[0][bytes.IndexByte(m[0], 'v'):]))
	const v = "-X k8s.io/component-base/version."
	ldflags := fmt.Sprintf("-s -w %sgitVersion=%s %sgitMajor=%s %sgitMinor=%s %sgitTreeState=clean",
		v, k8sVersion, v, m[1], v, m[2], v)
	key, err := clusterSourceKey(src, string(goVersion), ldflags)
	if err != nil {
		return bin, err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return bin, fmt.Errorf("finding the cache directory: %w", err)
	}
	bin.dir = filepath.Join(cache, "x-platform", "cluster", k8sVersion+"-"+strings.TrimSpace(string(goVersion)))
	if err := os.MkdirAll(bin.dir, 0o755); err != nil {
		return bin, fmt.Errorf("creating the cache directory: %w", err)
	}
	unlock, err := flockFile(filepath.Join(bin.dir, ".lock"))
	if err != nil {
		return bin, err
	}
	defer unlock()
	stamp := filepath.Join(bin.dir, "stamp")
	if old, err := os.ReadFile(stamp); err == nil && string(old) == key {
		return bin, nil
	}
	logf("building the test cluster's programs into %s (once per version: minutes)", bin.dir)
	began := time.Now()
	tmp, err := os.MkdirTemp(bin.dir, ".build-")
	if err != nil {
		return bin, fmt.Errorf("creating a build directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	args := append([]string{"build", "-o", tmp + string(filepath.Separator), "-ldflags", ldflags}, clusterPrograms...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return bin, fmt.Errorf("building the test cluster's programs in %s: %w\n%s", src, err, out)
	}
	for _, pkg := range clusterPrograms {
		name := filepath.Base(pkg)
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(bin.dir, name)); err != nil {
			return bin, fmt.Errorf("moving %s into the cache: %w", name, err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "stamp"), []byte(key), 0o644); err != nil {
		return bin, fmt.Errorf("writing the build stamp: %w", err)
	}
	if err := os.Rename(filepath.Join(tmp, "stamp"), stamp); err != nil {
		return bin, fmt.Errorf("writing the build stamp: %w", err)
	}
	logf("built the test cluster's programs in %s", time.Since(began).Round(time.Second))
	return bin, nil
}

// clusterModule finds test/cluster in the working directory or one of its parents.
func clusterModule() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the cluster module: %w", err)
	}
	for {
		src := filepath.Join(dir, "test", "cluster")
		if _, err := os.Stat(filepath.Join(src, "go.mod")); err == nil {
			return src, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the cluster module: no test/cluster/go.mod above the working directory")
		}
		dir = parent
	}
}

// clusterSourceKey hashes what the programs are built from: the module's go.mod and go.sum, its
// own commands, the Go version and the linker flags.
func clusterSourceKey(src string, extra ...string) (string, error) {
	h := sha256.New()
	for _, s := range extra {
		fmt.Fprintf(h, "%q\n", s)
	}
	files := []string{filepath.Join(src, "go.mod"), filepath.Join(src, "go.sum")}
	err := filepath.WalkDir(filepath.Join(src, "cmd"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("listing the cluster module's commands: %w", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("hashing the cluster module: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(strings.TrimPrefix(f, src)), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// flockFile takes an exclusive flock on path, waiting for other processes to let go.
func flockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
