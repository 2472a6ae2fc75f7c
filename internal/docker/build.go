package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	buildCtx, dockerfile, err := contextTar(spec.ContextDir, spec.Dockerfile)
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
		Target:      spec.Target,
		BuildArgs:   args,
		Tags:        spec.Tags,
		Labels:      spec.Labels,
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
