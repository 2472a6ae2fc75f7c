package cleanup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/retention"
)

// read is what the environments gave a plan.
type read struct {
	releases []retention.Release
	running  []retention.Running
	// empty are the reachable environments without a release record.
	empty []string
	// foreign says, per cleaned service, where records name its image
	// outside the registry.
	foreign map[string][]string
	notes   []string
}

// environments reads every environment a deploy can reach: its release
// records and what its workloads run.
func (o *Options) environments(ctx context.Context, res *Result, mu *sync.Mutex) (*read, error) {
	out := &read{foreign: map[string][]string{}}
	var wg sync.WaitGroup
	for _, env := range environments(o.Manifest) {
		wg.Go(func() {
			o.log("reading the releases of %s and what it runs", env.Name)
			st, e, err := o.readEnv(ctx, env)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Unreachable = append(res.Unreachable, Unreachable{Env: env.Name, Reason: unreachable(err)})
				var ce *kube.ConfigError
				if errors.As(err, &ce) && res.configErr == nil {
					res.configErr = fmt.Errorf("reading the releases of %s: %w (fix the kubeconfig or the environment's context, or pass --skip-unreachable to plan without it)", env.Name, err)
				}
				return
			}
			res.envs[env.Name] = e
			out.notes = append(out.notes, st.Notes...)
			if len(st.Records) == 0 && env.Preview == nil {
				out.empty = append(out.empty, env.Name)
			}
			told := map[string]bool{}
			for _, r := range st.Records {
				rel, foreign := o.release(r)
				out.releases = append(out.releases, rel)
				if st.Namespace != "" && r.Namespace != st.Namespace {
					// Kept all the same; but it may be another platform's.
					continue
				}
				for svc, image := range foreign {
					if !told[svc] {
						told[svc] = true
						out.foreign[svc] = append(out.foreign[svc], fmt.Sprintf("release %d of %s names its image as %s", r.Revision, r.Env, image))
					}
				}
			}
			for _, r := range outermost(st.Running) {
				out.running = append(out.running, o.running(env.Name, r)...)
			}
		})
	}
	wg.Wait()
	// Environments are read at once: sorted, the report reads the same each run.
	slices.Sort(out.empty)
	slices.Sort(out.notes)
	for _, where := range out.foreign {
		slices.Sort(where)
	}
	return out, ctx.Err()
}

func (o *Options) readEnv(ctx context.Context, env manifest.Environment) (*State, Environment, error) {
	e, err := o.Connect(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	st, err := e.Read(ctx)
	if err != nil {
		return nil, nil, err
	}
	return st, e, nil
}

// release turns a record into the images it keeps. An image outside the
// registry is kept by its digest in the repository of the service it is
// recorded for, in case it is the same registry spelled another way;
// foreign maps such cleaned services to the name the record gives.
func (o *Options) release(r *release.Record) (rel retention.Release, foreign map[string]string) {
	rel = retention.Release{Env: r.Env, Revision: r.Revision, Status: string(r.Status)}
	foreign = map[string]string{}
	for _, s := range r.Services {
		if ref, ok := refIn(o.Manifest.Registry, s.Image, s.Digest); ok {
			rel.Images = append(rel.Images, ref)
			continue
		}
		svc := o.Manifest.Service(s.Name)
		if svc == nil {
			continue
		}
		if s.Digest != "" {
			rel.Images = append(rel.Images, retention.Ref{Repository: svc.Docker.Image, Digest: s.Digest})
		}
		if o.cleans(svc.Name) {
			foreign[svc.Name] = s.Image.String()
		}
	}
	return rel, foreign
}

// running turns an image a workload runs into the images it keeps: by its
// name below the registry, else by its digest in the repository of each
// service whose image name it ends with (the registry spelled another way:
// localhost for 127.0.0.1, another host name).
func (o *Options) running(env string, r deploy.Running) []retention.Running {
	what := fmt.Sprintf("%s %s/%s", strings.ToLower(r.Kind), r.Namespace, r.Name)
	if ref, ok := refIn(o.Manifest.Registry, r.Image, ""); ok {
		return []retention.Running{{Env: env, What: what, Image: ref}}
	}
	img := r.Image
	name, digest := img.Repository(), img.Digest()
	if digest == "" {
		return nil
	}
	var out []retention.Running
	for _, s := range o.Manifest.Services {
		if strings.HasSuffix(name, "/"+s.Docker.Image) {
			out = append(out, retention.Running{Env: env, What: what + " as " + r.Image.String(), Image: retention.Ref{Repository: s.Docker.Image, Digest: digest}})
		}
	}
	return out
}

// kindRank orders the kinds that run an image from the one a person
// applies to the ones controllers make of it.
var kindRank = map[string]int{"ReplicaSet": 1, "Job": 1, "Pod": 2}

// outermost keeps one object per image, the one furthest from the pods —
// the Deployment rather than its ReplicaSet and pods — so that a plan
// names one reason per image, not one per replica.
func outermost(running []deploy.Running) []deploy.Running {
	best := map[image.Ref]int{}
	var out []deploy.Running
	for _, r := range running {
		i, ok := best[r.Image]
		switch {
		case !ok:
			best[r.Image] = len(out)
			out = append(out, r)
		case kindRank[r.Kind] < kindRank[out[i].Kind]:
			out[i] = r
		}
	}
	return out
}

// cleans says whether the named service's repository is cleaned up.
func (o *Options) cleans(service string) bool {
	for _, s := range o.Services {
		if s.Name == service {
			return true
		}
	}
	return false
}
