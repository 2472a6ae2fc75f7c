package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/pkg/jsonmessage"
)

// BuildSpec describes one image build.
type BuildSpec struct {
	// ContextDir is the folder sent to the engine as the build context.
	ContextDir string
	// Dockerfile is relative to ContextDir or absolute, and may lie outside
	// ContextDir; empty means ContextDir/Dockerfile.
	Dockerfile string
	// Target selects a stage of a multi-stage Dockerfile; empty builds the last.
	Target    string
	BuildArgs map[string]string
	Tags      []string
	Labels    map[string]string
	// Log receives the builder's output line by line; nil discards it.
	Log io.Writer
}

// failureTail bounds how many output lines of the failing step an error keeps.
const failureTail = 40

// Build builds an image with the engine's classic builder and returns its ID
// ("sha256:…"). When a step fails the error carries that step's output.
func (e *Engine) Build(ctx context.Context, spec BuildSpec) (imageID string, err error) {
	// Labels given to the API become one LABEL step each on the classic
	// builder; one LABEL line of our own costs one step in all.
	var content []byte
	target := spec.Target
	if len(spec.Labels) > 0 {
		path := spec.Dockerfile
		if path == "" {
			path = "Dockerfile"
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(spec.ContextDir, path)
		}
		original, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("building image: reading Dockerfile: %w", err)
		}
		if content, target, err = labelStage(original, spec.Labels, spec.Target); err != nil {
			return "", fmt.Errorf("building image: %w", err)
		}
	}
	buildCtx, dockerfile, err := contextTar(spec.ContextDir, spec.Dockerfile, content)
	if err != nil {
		return "", fmt.Errorf("building image: %w", err)
	}
	defer buildCtx.Close()

	args := make(map[string]*string, len(spec.BuildArgs))
	for k, v := range spec.BuildArgs {
		args[k] = &v
	}
	resp, err := e.api.ImageBuild(ctx, buildCtx, build.ImageBuildOptions{
		Version:     build.BuilderV1,
		Dockerfile:  dockerfile,
		Target:      target,
		BuildArgs:   args,
		Tags:        spec.Tags,
		Remove:      true,
		ForceRemove: true,
	})
	if err != nil {
		return "", fmt.Errorf("building image: %w", err)
	}
	defer resp.Body.Close()

	id, err := readBuildOutput(resp.Body, spec.Log)
	if err != nil {
		return "", fmt.Errorf("building image: %w", err)
	}
	return id, nil
}

// labelStage returns the Dockerfile with a LABEL line for the image being
// built, and the target to build then. Without a target the line goes at
// the end, into the last stage. With one it goes into a new stage on top of
// the target, placed right after it: the classic builder builds every stage
// up to its target, so stages after the target must stay after.
func labelStage(dockerfile []byte, labels map[string]string, target string) ([]byte, string, error) {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var label strings.Builder
	label.WriteString("LABEL")
	for _, k := range keys {
		fmt.Fprintf(&label, " %s=%s", quoteLabel(k), quoteLabel(labels[k]))
	}
	label.WriteString("\n")
	if target == "" {
		out := append(bytes.TrimRight(dockerfile, "\n"), '\n')
		return append(out, label.String()...), "", nil
	}
	lines := strings.SplitAfter(string(dockerfile), "\n")
	at, found := len(lines), false
	for i, line := range lines {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.EqualFold(f[0], "FROM") {
			continue
		}
		if found {
			at = i
			break
		}
		found = len(f) >= 4 && strings.EqualFold(f[len(f)-2], "AS") && strings.EqualFold(f[len(f)-1], target)
	}
	if !found {
		return nil, "", fmt.Errorf("the Dockerfile has no stage named %q", target)
	}
	const labelled = "x-platform-labelled"
	stage := fmt.Sprintf("FROM %s AS %s\n%s", target, labelled, label.String())
	if at > 0 && !strings.HasSuffix(lines[at-1], "\n") {
		stage = "\n" + stage
	}
	out := strings.Join(lines[:at], "") + stage + strings.Join(lines[at:], "")
	return []byte(out), labelled, nil
}

// quoteLabel writes s as a Dockerfile double-quoted word: no variable
// expansion, no line breaks.
func quoteLabel(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "\n", " ", "\r", " ")
	return `"` + r.Replace(s) + `"`
}

// readBuildOutput follows the classic builder's message stream: text goes to
// log, the aux message names the image, an error message ends the build.
func readBuildOutput(stream io.Reader, log io.Writer) (string, error) {
	out := &stepLog{dst: log}
	defer out.flush()
	var id string
	dec := json.NewDecoder(stream)
	for {
		var msg jsonmessage.JSONMessage
		if err := dec.Decode(&msg); err != nil {
			if !errors.Is(err, io.EOF) {
				return "", fmt.Errorf("reading build output: %w", err)
			}
			break
		}
		if msg.Stream != "" {
			out.write(msg.Stream)
		}
		if line := progressLine(msg); line != "" {
			out.write(line + "\n")
		}
		if msg.Error != nil {
			out.flush()
			return "", &BuildError{Message: msg.Error.Message, Output: out.tail()}
		}
		if msg.Aux != nil {
			var result build.Result
			if json.Unmarshal(*msg.Aux, &result) == nil && result.ID != "" {
				id = result.ID
			}
		}
	}
	if id == "" {
		return "", errors.New("engine reported no image ID")
	}
	return id, nil
}

// BuildError is a failed build step: the engine's message and the output
// the step printed before failing.
type BuildError struct {
	Message string
	Output  []string
}

func (e *BuildError) Error() string {
	if len(e.Output) == 0 {
		return e.Message
	}
	return e.Message + "\n" + strings.Join(e.Output, "\n")
}

// stepLog splits builder output into lines, forwards them, and remembers
// the lines of the current step.
type stepLog struct {
	dst     io.Writer
	partial strings.Builder
	step    []string
}

func (s *stepLog) write(text string) {
	for {
		line, rest, found := strings.Cut(text, "\n")
		if !found {
			s.partial.WriteString(line)
			return
		}
		s.partial.WriteString(line)
		s.emit(s.partial.String())
		s.partial.Reset()
		text = rest
	}
}

func (s *stepLog) flush() {
	if s.partial.Len() > 0 {
		s.emit(s.partial.String())
		s.partial.Reset()
	}
}

func (s *stepLog) emit(line string) {
	if s.dst != nil {
		fmt.Fprintln(s.dst, line)
	}
	switch {
	case strings.HasPrefix(line, "Step "):
		s.step = append(s.step[:0], line)
	case strings.HasPrefix(line, " ---> "), strings.TrimSpace(line) == "":
	default:
		s.step = append(s.step, line)
		if len(s.step) > failureTail {
			// Keep the step header and the most recent lines.
			s.step = append(s.step[:1], s.step[len(s.step)-failureTail+1:]...)
		}
	}
}

func (s *stepLog) tail() []string {
	return append([]string(nil), s.step...)
}
