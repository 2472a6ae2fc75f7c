package deploy

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
)

// PostTest is a post-deploy test made ready to run: its Jobs, with the
// images of the release under test pinned by digest.
type PostTest struct {
	Name    string
	Jobs    []*batchv1.Job
	Timeout time.Duration
}

// TestFailedError is a post-deploy test that did not pass. As the
// failure of a rollout, it makes a deploy roll the release back.
type TestFailedError struct {
	Test string
	Job  string // the Job that failed; "" when none was created
	// Reason says why: the failing container's termination reason and
	// exit code, the Job's own condition, or a timeout.
	Reason string
}

func (e *TestFailedError) Error() string {
	if e.Job == "" {
		return fmt.Sprintf("post-deploy test %s failed: %s", e.Test, e.Reason)
	}
	return fmt.Sprintf("post-deploy test %s failed (job/%s): %s", e.Test, e.Job, e.Reason)
}

// postTests makes the environment's tests ready to run against versions:
// the Jobs of kustomize folders, rendered from the disk, and a Job per
// image test. A test that cannot be made is a *ConfigError.
func (e *Environment) postTests(versions []Version) ([]PostTest, error) {
	var out []PostTest
	for _, t := range e.Manifest.TestsFor(e.testsEnv()) {
		pt := PostTest{Name: t.Name, Timeout: t.RunTimeout()}
		if t.Kustomize != "" {
			jobs, err := renderTestJobs(filepath.Join(e.Manifest.Root, filepath.FromSlash(t.Kustomize)))
			if err != nil {
				return nil, &ConfigError{fmt.Errorf("post-deploy test %s: %w", t.Name, err)}
			}
			pt.Jobs = jobs
		} else {
			pt.Jobs = []*batchv1.Job{imageTestJob(t, versions)}
		}
		for _, j := range pt.Jobs {
			pinJob(j, versions)
		}
		out = append(out, pt)
	}
	return out, nil
}

// imageTestJob is the Job of an image: test: one container running its
// command, in the service's image as deployed when image names a service.
func imageTestJob(t manifest.Test, versions []Version) *batchv1.Job {
	img := t.Image
	for _, v := range versions {
		if v.Name == t.Image {
			img = v.Pin().Pinned().String()
		}
	}
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: t.Name},
		Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "test", Image: img, Command: t.Command}},
			}},
		},
	}
}

// renderTestJobs builds the kustomization in dir, which must render Jobs
// and nothing else.
func renderTestJobs(dir string) ([]*batchv1.Job, error) {
	opts := krusty.MakeDefaultOptions()
	res, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("rendering %s: %w", dir, err)
	}
	var jobs []*batchv1.Job
	for _, r := range res.Resources() {
		if r.GetKind() != "Job" || r.GetApiVersion() != "batch/v1" {
			return nil, fmt.Errorf("%s renders %s %s: a test folder renders batch/v1 Jobs only", dir, r.GetKind(), r.GetName())
		}
		m, err := r.Map()
		if err != nil {
			return nil, fmt.Errorf("reading job %s of %s: %w", r.GetName(), dir, err)
		}
		j := &batchv1.Job{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, j); err != nil {
			return nil, fmt.Errorf("reading job %s of %s: %w", r.GetName(), dir, err)
		}
		jobs = append(jobs, j)
	}
	if len(jobs) == 0 {
		return nil, fmt.Errorf("%s renders no Job", dir)
	}
	return jobs, nil
}

// pinJob points the containers of j that name a service's image as the
// overlays do (image: zbackend) at the version deployed, by digest, and
// makes a failure final: a Job that says nothing retries no pod.
func pinJob(j *batchv1.Job, versions []Version) {
	spec := &j.Spec.Template.Spec
	for _, list := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range list {
			for _, v := range versions {
				if v.ImageName != "" && image.Cut(list[i].Image).Repository() == v.ImageName {
					list[i].Image = v.Pin().Pinned().String()
				}
			}
		}
	}
	if j.Spec.BackoffLimit == nil {
		j.Spec.BackoffLimit = new(int32)
	}
	if spec.RestartPolicy == "" {
		spec.RestartPolicy = corev1.RestartPolicyNever
	}
}

// testJobName is the name of one run of a Job: unique per run, at most
// 63 characters, so that pods can carry it as a label.
func testJobName(name string, revision int, suffix string) string {
	tail := fmt.Sprintf("-r%d-%s", revision, suffix)
	if len(name)+len(tail) > 63 {
		name = strings.TrimRight(name[:63-len(tail)], "-.")
	}
	return name + tail
}
