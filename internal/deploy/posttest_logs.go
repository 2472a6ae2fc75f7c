package deploy

import (
	"context"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/x-platform/x-platform/internal/ui"
)

// LogStreamer follows what a container writes, from its start, until it
// ends or ctx does.
type LogStreamer interface {
	Stream(ctx context.Context, namespace, pod, container string) (io.ReadCloser, error)
}

// ClientsetLogs streams logs through the API server's pods/log.
type ClientsetLogs struct{ Clientset kubernetes.Interface }

var _ LogStreamer = ClientsetLogs{}

// Stream follows the container's log.
func (c ClientsetLogs) Stream(ctx context.Context, namespace, pod, container string) (io.ReadCloser, error) {
	return c.Clientset.CoreV1().Pods(namespace).GetLogs(pod, &corev1.PodLogOptions{Container: container, Follow: true}).Stream(ctx)
}

// logFollower copies the logs of a Job's pods to the progress as they
// come, each container once it has started. Logs are a help, not the
// verdict: when they cannot be read it says so once and goes on.
type logFollower struct {
	logs       LogStreamer
	ns, prefix string
	progress   *ui.Progress

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	warned bool
	seen   map[string]bool // pod/container
}

func newLogFollower(logs LogStreamer, ns string, progress *ui.Progress, prefix string) *logFollower {
	ctx, cancel := context.WithCancel(context.Background())
	return &logFollower{logs: logs, ns: ns, prefix: prefix, progress: progress, ctx: ctx, cancel: cancel, seen: map[string]bool{}}
}

// follow starts streaming every container of pods that has started and
// is not streamed yet.
func (f *logFollower) follow(ctx context.Context, pods []corev1.Pod) {
	// Quiet progress discards the output: nothing to stream, nothing to drain.
	if f.progress == nil || f.progress.Level() < ui.Normal || ctx.Err() != nil {
		return
	}
	for _, p := range pods {
		for _, s := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
			key := p.Name + "/" + s.Name
			if f.seen[key] || (s.State.Running == nil && s.State.Terminated == nil) {
				continue
			}
			f.seen[key] = true
			f.wg.Add(1)
			go f.stream(p.Name, s.Name)
		}
	}
}

func (f *logFollower) stream(pod, container string) {
	defer f.wg.Done()
	rc, err := f.logs.Stream(f.ctx, f.ns, pod, container)
	if err != nil {
		f.unavailable(pod, err)
		return
	}
	defer rc.Close()
	w := f.progress.Output(f.prefix + " " + pod)
	defer w.Close()
	if _, err := io.Copy(w, rc); err != nil && f.ctx.Err() == nil {
		f.unavailable(pod, err)
	}
}

func (f *logFollower) unavailable(pod string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.warned || f.ctx.Err() != nil {
		return
	}
	f.warned = true
	f.progress.Stepf(f.prefix, "logs of pod/%s cannot be read (%v); going on without them: the job's status decides", pod, err)
}

// drain waits up to max for the streams to end on their own (the
// containers have ended), then stops them.
func (f *logFollower) drain(limit time.Duration) {
	done := make(chan struct{})
	go func() {
		f.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
	}
	f.stop()
}

// stop ends every stream and waits for them.
func (f *logFollower) stop() {
	f.cancel()
	f.wg.Wait()
}
