package docker

import (
	"archive/tar"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/go-archive"
	"github.com/moby/patternmatcher/ignorefile"
)

// contextTar streams contextDir as a tar archive honouring its .dockerignore
// and returns the name under which the Dockerfile appears in it. A
// Dockerfile outside contextDir, or one whose content is replaced by
// override, is added to the stream under a generated name, which
// .dockerignore then hides from COPY and ADD.
func contextTar(contextDir, dockerfile string, override []byte) (io.ReadCloser, string, error) {
	root, err := filepath.Abs(contextDir)
	if err != nil {
		return nil, "", fmt.Errorf("resolving build context %s: %w", contextDir, err)
	}
	if info, err := os.Stat(root); err != nil {
		return nil, "", fmt.Errorf("reading build context: %w", err)
	} else if !info.IsDir() {
		return nil, "", fmt.Errorf("reading build context: %s is not a directory", root)
	}
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	dfPath := dockerfile
	if !filepath.IsAbs(dfPath) {
		dfPath = filepath.Join(root, dfPath)
	}
	if _, err := os.Stat(dfPath); err != nil {
		return nil, "", fmt.Errorf("reading Dockerfile: %w", err)
	}
	excludes, err := readIgnore(root)
	if err != nil {
		return nil, "", err
	}

	rel, err := filepath.Rel(root, dfPath)
	inside := err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	if inside {
		rel = filepath.ToSlash(rel)
		// As with the docker CLI, the engine must see the Dockerfile and
		// .dockerignore even when .dockerignore lists them.
		excludes = append(excludes, "!"+rel, "!.dockerignore")
	}
	tarball, err := archive.TarWithOptions(root, &archive.TarOptions{
		ExcludePatterns: excludes,
		ChownOpts:       &archive.ChownOpts{UID: 0, GID: 0},
	})
	if err != nil {
		return nil, "", fmt.Errorf("archiving build context: %w", err)
	}
	if inside && override == nil {
		return tarball, rel, nil
	}

	content := override
	if content == nil {
		if content, err = os.ReadFile(dfPath); err != nil {
			tarball.Close()
			return nil, "", fmt.Errorf("reading Dockerfile: %w", err)
		}
	}
	generated := ".dockerfile." + randomHex(8)
	now := time.Now()
	return archive.ReplaceFileTarWrapper(tarball, map[string]archive.TarModifierFunc{
		generated: func(_ string, _ *tar.Header, _ io.Reader) (*tar.Header, []byte, error) {
			return fileHeader(generated, now), content, nil
		},
		".dockerignore": func(_ string, h *tar.Header, current io.Reader) (*tar.Header, []byte, error) {
			var data []byte
			if current != nil {
				var err error
				if data, err = io.ReadAll(current); err != nil {
					return nil, nil, err
				}
			}
			if h == nil {
				h = fileHeader(".dockerignore", now)
			}
			if len(data) > 0 && data[len(data)-1] != '\n' {
				data = append(data, '\n')
			}
			data = append(data, generated+"\n"...)
			return h, data, nil
		},
	}), generated, nil
}

func readIgnore(root string) ([]string, error) {
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading .dockerignore: %w", err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading .dockerignore: %w", err)
	}
	return patterns, nil
}

func fileHeader(name string, mod time.Time) *tar.Header {
	return &tar.Header{
		Name:     name,
		Mode:     0o600,
		ModTime:  mod,
		Typeflag: tar.TypeReg,
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
