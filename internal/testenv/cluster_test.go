package testenv

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopCluster()
	os.Exit(code)
}

func TestIntegrationCluster(t *testing.T) {
	env := Cluster(t)

	// Everything below goes through the written kubeconfig, as kubectl or a deploy would.
	cfg, err := clientcmd.BuildConfigFromFlags("", env.Kubeconfig)
	if err != nil {
		t.Fatalf("loading %s: %v", env.Kubeconfig, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("creating a client: %v", err)
	}
	version, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("asking the server's version: %v", err)
	}
	t.Logf("server %s is Kubernetes %s", env.Server, version.GitVersion)
	if len(env.Nodes) == 0 {
		t.Fatal("the cluster has no nodes")
	}

	t.Run("DeploymentBecomesReady", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		began := time.Now()
		d := createDeployment(t, cs, ns, "app", 3, nil)
		d = waitDeployment(t, cs, d, 2*time.Minute, func(d *appsv1.Deployment) bool {
			return d.Status.ObservedGeneration >= d.Generation &&
				d.Status.UpdatedReplicas == 3 && d.Status.ReadyReplicas == 3
		})
		t.Logf("3 replicas ready in %s", time.Since(began).Round(time.Millisecond))
		pods := listPods(t, cs, d)
		if len(pods) != 3 {
			t.Fatalf("got %d pods, want 3", len(pods))
		}
		for _, p := range pods {
			if p.Status.Phase != corev1.PodRunning || !podReady(p) {
				t.Errorf("pod %s: phase %s, ready %v; want Running and ready", p.Name, p.Status.Phase, podReady(p))
			}
			if p.Spec.NodeName == "" || p.Status.PodIP == "" {
				t.Errorf("pod %s: node %q, IP %q; want both set", p.Name, p.Spec.NodeName, p.Status.PodIP)
			}
		}

		// Pod logs go from the API server to kwok's kubelet API, which
		// serves FakeLogLines for every container. A followed stream stays
		// open, as it does for a running container.
		want := strings.Join(FakeLogLines, "\n") + "\n"
		logs, err := cs.CoreV1().Pods(ns).GetLogs(pods[0].Name, &corev1.PodLogOptions{Container: "app"}).DoRaw(t.Context())
		if err != nil || string(logs) != want {
			t.Errorf("logs of pod %s: %q, %v; want %q", pods[0].Name, logs, err, want)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		stream, err := cs.CoreV1().Pods(ns).GetLogs(pods[0].Name, &corev1.PodLogOptions{Container: "app", Follow: true}).Stream(ctx)
		if err != nil {
			t.Fatalf("following the logs of pod %s: %v", pods[0].Name, err)
		}
		lines := bufio.NewScanner(stream)
		for i := 0; i < len(FakeLogLines) && lines.Scan(); i++ {
			if lines.Text() != FakeLogLines[i] {
				t.Errorf("followed log line %d: %q, want %q", i, lines.Text(), FakeLogLines[i])
			}
		}
		cancel()
		stream.Close()
		if err := lines.Err(); err != nil {
			t.Errorf("following the logs of pod %s: %v", pods[0].Name, err)
		}

		foreground := metav1.DeletePropagationForeground
		err = cs.AppsV1().Deployments(ns).Delete(t.Context(), d.Name, metav1.DeleteOptions{PropagationPolicy: &foreground})
		if err != nil {
			t.Fatalf("deleting deployment %s: %v", d.Name, err)
		}
		pollCluster(t, time.Minute, "the deployment and its pods to be gone", func(ctx context.Context) (bool, error) {
			_, err := cs.AppsV1().Deployments(ns).Get(ctx, d.Name, metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				return false, nil
			}
			pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			return err == nil && len(pods.Items) == 0, nil
		})
	})

	failures := []struct {
		reason string
		phase  corev1.PodPhase
	}{
		{reason: "CrashLoopBackOff", phase: corev1.PodRunning},
		{reason: "ImagePullBackOff", phase: corev1.PodPending},
	}
	for _, tc := range failures {
		t.Run("PodFails/"+tc.reason, func(t *testing.T) {
			t.Parallel()
			ns := env.Namespace(t)
			d := createDeployment(t, cs, ns, "broken", 1, func(d *appsv1.Deployment) {
				d.Spec.Template.Labels[WaitingReasonLabel] = tc.reason
				// The controller gives up soon, so the test sees the failure a deploy would.
				d.Spec.ProgressDeadlineSeconds = ptr.To[int32](5)
			})
			d = waitDeployment(t, cs, d, 2*time.Minute, func(d *appsv1.Deployment) bool {
				for _, c := range d.Status.Conditions {
					if c.Type == appsv1.DeploymentProgressing {
						return c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded"
					}
				}
				return false
			})
			if d.Status.ReadyReplicas != 0 {
				t.Errorf("ready replicas = %d, want 0", d.Status.ReadyReplicas)
			}
			pods := listPods(t, cs, d)
			if len(pods) != 1 {
				t.Fatalf("got %d pods, want 1", len(pods))
			}
			p := pods[0]
			if p.Status.Phase != tc.phase || podReady(p) {
				t.Errorf("pod %s: phase %s, ready %v; want %s and not ready", p.Name, p.Status.Phase, podReady(p), tc.phase)
			}
			if len(p.Status.ContainerStatuses) != 1 {
				t.Fatalf("pod %s has %d container statuses, want 1", p.Name, len(p.Status.ContainerStatuses))
			}
			st := p.Status.ContainerStatuses[0]
			if st.State.Waiting == nil || st.State.Waiting.Reason != tc.reason {
				t.Errorf("container %s state = %+v, want waiting with reason %s", st.Name, st.State, tc.reason)
			}
		})
	}
}

// createDeployment creates a Deployment of replicas pods running an image that exists
// nowhere, after edit has changed it.
func createDeployment(t *testing.T, cs kubernetes.Interface, ns, name string, replicas int32, edit func(*appsv1.Deployment)) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  name,
					Image: "example.invalid/app:1",
				}}},
			},
		},
	}
	if edit != nil {
		edit(d)
	}
	d, err := cs.AppsV1().Deployments(ns).Create(t.Context(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating deployment %s/%s: %v", ns, name, err)
	}
	return d
}

// waitDeployment polls d until done holds and returns its last state.
func waitDeployment(t *testing.T, cs kubernetes.Interface, d *appsv1.Deployment, timeout time.Duration, done func(*appsv1.Deployment) bool) *appsv1.Deployment {
	t.Helper()
	last := d
	pollCluster(t, timeout, "deployment "+d.Name, func(ctx context.Context) (bool, error) {
		got, err := cs.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = got
		return done(got), nil
	})
	return last
}

func listPods(t *testing.T, cs kubernetes.Interface, d *appsv1.Deployment) []corev1.Pod {
	t.Helper()
	sel := metav1.FormatLabelSelector(d.Spec.Selector)
	pods, err := cs.CoreV1().Pods(d.Namespace).List(t.Context(), metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatalf("listing pods of %s: %v", d.Name, err)
	}
	return pods.Items
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// pollCluster checks cond every 200ms until it holds, failing the test after timeout.
func pollCluster(t *testing.T, timeout time.Duration, what string, cond wait.ConditionWithContextFunc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
