package app

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// freshAgents is the world a fresh CI machine meets: services whose remotes
// hold some history of large files, served over smart HTTP, and whose images
// another machine already built and pushed.
type freshAgents struct {
	p        *platform
	bin      string
	meter    testenv.RSSMeter
	manifest []byte
	images   map[string]string // service → registry image of its head commit
	treeSize int64             // bytes of every file at the services' head commits
	scratch  string            // parent of every machine's folders
	rounds   int
}

// freshDockerfile copies the large file into the image too, so a pull moves
// as much as a clone's working tree does.
const freshDockerfile = "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY out.txt data.bin /\n"

// newFreshAgents makes n services whose histories hold versions of a
// size-byte random file and builds and pushes them from a folder and HOME of
// their own on a standalone BuildKit daemon, as another machine would; none
// of their images is left in the engine.
func newFreshAgents(b *testing.B, n, versions, size int) *freshAgents {
	b.Helper()
	names := serviceNames(n)
	f := &freshAgents{p: newPlatform(b, names...), images: map[string]string{}, scratch: b.TempDir()}
	for _, name := range names {
		r := f.p.remotes[name]
		for v := range versions {
			files := map[string]string{"data.bin": randomString(b, size)}
			if v == 0 {
				files["Dockerfile"] = freshDockerfile
			}
			r.Commit(b, "master", files, "data version "+strconv.Itoa(v+1))
		}
		f.treeSize += treeBytes(b, r.Dir)
		f.p.urls[name] = r.ServeHTTP(b)
	}
	// The other machine builds on a BuildKit daemon of its own, from a base
	// image in the registry: had this engine built the images, its build
	// cache would keep their layers and a pull here would move none.
	reg := strings.SplitN(f.p.registry, "/", 2)[0]
	f.p.base = testenv.PushBaseImage(b, reg)
	f.p.writeManifest(nil)
	daemon := testenv.StartBuildkitd(b, testenv.BuildkitdOptions{InsecureRegistries: []string{reg}})
	var err error
	if f.manifest, err = os.ReadFile(filepath.Join(f.p.root, "x-platform.yml")); err != nil {
		b.Fatal(err)
	}
	f.bin = buildBinary(b)
	f.meter = testenv.NewRSSMeter(b)

	root, home := f.folders(b, "builder")
	code, r, stderr, _ := f.xp(b, root, home, "build", "--builder", daemon.Addr)
	if code != ExitOK || !allActions(r, report.ActionBuilt) {
		b.Fatalf("the builder machine's build: exit %d: %+v\n%s", code, r.Services, stderr)
	}
	for _, s := range r.Services {
		f.images[s.Name] = s.Image
	}
	f.forget(b, root, home)
	daemon.Stop(b)
	return f
}

// folders makes a new, empty platform folder holding only the manifest and a
// new HOME, both under the benchmark's temporary folder.
func (f *freshAgents) folders(b *testing.B, what string) (root, home string) {
	b.Helper()
	f.rounds++
	base := filepath.Join(f.scratch, what+"-"+strconv.Itoa(f.rounds))
	root, home = filepath.Join(base, "platform"), filepath.Join(base, "home")
	writeFile(b, filepath.Join(root, "x-platform.yml"), string(f.manifest))
	if err := os.MkdirAll(home, 0o755); err != nil {
		b.Fatal(err)
	}
	return root, home
}

// forget removes a machine's folders and every image of the platform from
// the engine, and checks that the engine has none of them left.
func (f *freshAgents) forget(b *testing.B, root, home string) {
	b.Helper()
	if err := os.RemoveAll(filepath.Dir(root)); err != nil {
		b.Fatalf("removing %s: %v", root, err)
	}
	if err := os.RemoveAll(filepath.Dir(home)); err != nil {
		b.Fatalf("removing %s: %v", home, err)
	}
	f.p.removeImages()
	if n := f.localImages(b); n != 0 {
		b.Fatalf("%d of the services' images are still in the engine", n)
	}
}

// localImages counts the services' head images the engine holds.
func (f *freshAgents) localImages(b *testing.B) int {
	b.Helper()
	n := 0
	for _, ref := range f.images {
		_, err := f.p.docker.ImageInspect(b.Context(), ref)
		switch {
		case err == nil:
			n++
		case !client.IsErrNotFound(err):
			b.Fatalf("inspecting %s: %v", ref, err)
		}
	}
	return n
}

// freshEnv is the environment of a machine whose HOME is home: nothing of the
// runner's HOME, XDG folders, docker or git configuration, or XP_ settings
// reaches the processes.
func freshEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "DOCKER_CONFIG", k == "SSH_AUTH_SOCK",
			strings.HasPrefix(k, "XP_"), strings.HasPrefix(k, "GIT_"),
			strings.HasPrefix(k, "XDG_") && k != "XDG_RUNTIME_DIR":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"DOCKER_CONFIG="+filepath.Join(home, ".docker"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
	)
}

// xp runs the x-platform binary in root with HOME home and returns its exit
// code, JSON report, stderr and peak RSS in KiB.
func (f *freshAgents) xp(b *testing.B, root, home string, args ...string) (int, report.Report, string, int64) {
	b.Helper()
	all := append([]string{"--file", filepath.Join(root, "x-platform.yml"), "--output", "json", "-q"}, args...)
	cmd := exec.Command(f.bin, all...)
	cmd.Dir, cmd.Env = root, freshEnv(home)
	peak := f.meter.Wrap(b, cmd)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		b.Fatalf("running x-platform %v: %v", args, err)
	}
	var r report.Report
	if out.Len() > 0 {
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			b.Fatalf("x-platform %v: stdout is not a JSON report: %v\n%s", args, err, out.String())
		}
	}
	return cmd.ProcessState.ExitCode(), r, errOut.String(), peak()
}

// cloneAndPull is the command-line way on a fresh machine: per service, one
// after the other, git clone of its remote, then docker pull of its image.
func (f *freshAgents) cloneAndPull(b *testing.B, root, home string) time.Duration {
	b.Helper()
	env := freshEnv(home)
	start := time.Now()
	for _, name := range serviceNames(len(f.images)) {
		run(b, env, "git", "clone", "-q", f.p.urls[name], filepath.Join(root, "src", name))
		run(b, env, "docker", "pull", "-q", f.images[name])
	}
	return time.Since(start)
}

// shallowClones clones every service with `git clone --depth 1`, as the
// smallest checkout the git command line makes, to size checkouts against.
func (f *freshAgents) shallowClones(b *testing.B, root, home string) {
	b.Helper()
	env := freshEnv(home)
	for _, name := range serviceNames(len(f.images)) {
		run(b, env, "git", "clone", "-q", "--depth", "1", f.p.urls[name], filepath.Join(root, "src", name))
	}
}

// diskUsage is what the folders under root/src take on disk, as du counts
// it: allocated blocks, each inode once.
func diskUsage(b *testing.B, root string) (all, gitDirs int64) {
	b.Helper()
	seen := map[uint64]bool{}
	err := filepath.WalkDir(filepath.Join(root, "src"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(path, &st); err != nil {
			return err
		}
		if seen[st.Ino] {
			return nil
		}
		seen[st.Ino] = true
		all += st.Blocks * 512
		if strings.Contains(filepath.ToSlash(path), "/.git/") || d.Name() == ".git" {
			gitDirs += st.Blocks * 512
		}
		return nil
	})
	if err != nil {
		b.Fatalf("measuring checkouts: %v", err)
	}
	return all, gitDirs
}

// treeBytes sums the sizes of the files at the head of the bare repository
// dir, what a checkout's working tree holds.
func treeBytes(b *testing.B, dir string) int64 {
	b.Helper()
	var sum int64
	for _, line := range strings.Split(testenv.RunGit(b, dir, "ls-tree", "-r", "-l", "HEAD"), "\n") {
		// <mode> SP <type> SP <object> SP+ <size> TAB <path>
		fields := strings.Fields(strings.SplitN(line, "\t", 2)[0])
		if len(fields) != 4 || fields[1] != "blob" {
			continue
		}
		n, err := strconv.ParseInt(fields[3], 10, 64)
		if err != nil {
			b.Fatalf("reading ls-tree line %q: %v", line, err)
		}
		sum += n
	}
	return sum
}

func randomString(b *testing.B, size int) string {
	b.Helper()
	buf := make([]byte, size)
	if _, err := rand.Read(buf); err != nil {
		b.Fatal(err)
	}
	return string(buf)
}
