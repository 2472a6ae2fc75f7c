package deploy

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/object"
)

// gatewayGroup is the API group of the Gateway API's HTTPRoute.
const gatewayGroup = "gateway.networking.k8s.io"

func isHTTPRoute(o *unstructured.Unstructured) bool {
	return o.GetKind() == "HTTPRoute" && strings.HasPrefix(o.GetAPIVersion(), gatewayGroup+"/")
}

// backendRefs calls f with each Service backendRef of a route's rules.
func backendRefs(route *unstructured.Unstructured, f func(ref map[string]any)) {
	rules, _, _ := unstructured.NestedSlice(route.Object, "spec", "rules")
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		refs, _ := rule["backendRefs"].([]any)
		for _, x := range refs {
			ref, _ := x.(map[string]any)
			kind, _ := ref["kind"].(string)
			group, _ := ref["group"].(string)
			if ref != nil && (kind == "" || kind == "Service") && group == "" {
				f(ref)
			}
		}
	}
}

// selects says whether a Service's selector selects pods with labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// planRoutes gives each target that an HTTPRoute of objs reaches through
// a Service a split by route: the Service and the routes. A route that
// names a Service objs do not hold is a problem, as nothing could be
// split behind it.
func planRoutes(objs []*unstructured.Unstructured, targets []canaryTarget, ns string) []CanaryProblem {
	services := map[string]*unstructured.Unstructured{}
	var routes []*unstructured.Unstructured
	for _, o := range objs {
		switch {
		case o.GetKind() == "Service" && o.GetAPIVersion() == "v1":
			services[nsOr(o.GetNamespace(), ns)+"/"+o.GetName()] = o
		case isHTTPRoute(o):
			routes = append(routes, o)
		}
	}
	var problems []CanaryProblem
	sends := map[string][]string{} // service → the routes sending to it
	for _, r := range routes {
		backendRefs(r, func(ref map[string]any) {
			name, _ := ref["name"].(string)
			refNS, _ := ref["namespace"].(string)
			key := nsOr(refNS, nsOr(r.GetNamespace(), ns)) + "/" + name
			if services[key] == nil {
				problems = append(problems, CanaryProblem{Ref: object.RefOf(r), Msg: fmt.Sprintf("a backendRef names Service %s, which the overlay does not have", name)})
				return
			}
			if !contains(sends[key], r.GetName()) {
				sends[key] = append(sends[key], r.GetName())
			}
		})
	}
	for i, t := range targets {
		labels, _, _ := unstructured.NestedStringMap(t.Want.Object, "spec", "template", "metadata", "labels")
		for key, names := range sends {
			svc := services[key]
			sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
			if nsOr(svc.GetNamespace(), ns) == nsOr(t.Want.GetNamespace(), ns) && selects(sel, labels) {
				targets[i].Service, targets[i].Routes = svc, names
				break
			}
		}
	}
	return problems
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// canaryValue is what a label the Service selects on holds on the pods of
// a canary split by route, so that the Service leaves them out.
func canaryValue(v string) string { return v + canarySuffix }

// routedCanary is the canary Deployment of a split by route: that of
// canaryDeployment, with the keys the Service selects on given
// canaryValue in its selector and pod labels.
func routedCanary(want, svc *unstructured.Unstructured, ns string, replicas int) *unstructured.Unstructured {
	c := canaryDeployment(want, ns, replicas)
	sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
	for k, v := range sel {
		for _, path := range [][]string{{"spec", "selector", "matchLabels", k}, {"spec", "template", "metadata", "labels", k}} {
			if _, ok, _ := unstructured.NestedString(c.Object, path...); ok {
				_ = unstructured.SetNestedField(c.Object, canaryValue(v), path...)
			}
		}
		_ = unstructured.SetNestedField(c.Object, canaryValue(v), "spec", "template", "metadata", "labels", k)
	}
	return c
}

// canaryService is the Service in front of a routed canary: svc's ports,
// selecting only the canary's pods.
func canaryService(svc *unstructured.Unstructured, ns string) *unstructured.Unstructured {
	c := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Service"}}
	c.SetName(svc.GetName() + canarySuffix)
	c.SetNamespace(ns)
	c.SetLabels(map[string]string{CanaryLabel: "true"})
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
	selector := map[string]any{CanaryLabel: "true"}
	for k, v := range sel {
		selector[k] = canaryValue(v)
	}
	c.Object["spec"] = map[string]any{"ports": ports, "selector": selector}
	return c
}

// routeAt is route with the traffic to Service svc shared at percent:
// each of its backendRefs weighs 100-percent and a twin naming the
// canary's Service weighs percent. At 0 it is route as it is.
func routeAt(route *unstructured.Unstructured, svc string, percent int) *unstructured.Unstructured {
	out := route.DeepCopy()
	if percent == 0 {
		return out
	}
	stable, canary := routeWeights(percent)
	rules, _, _ := unstructured.NestedSlice(out.Object, "spec", "rules")
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		refs, _ := rule["backendRefs"].([]any)
		var more []any
		for _, x := range refs {
			ref, _ := x.(map[string]any)
			if name, _ := ref["name"].(string); name != svc {
				continue
			}
			twin := make(map[string]any, len(ref))
			for k, v := range ref {
				twin[k] = v
			}
			ref["weight"], twin["weight"], twin["name"] = int64(stable), int64(canary), svc+canarySuffix
			more = append(more, twin)
		}
		if rule != nil {
			rule["backendRefs"] = append(refs, more...)
		}
	}
	_ = unstructured.SetNestedSlice(out.Object, rules, "spec", "rules")
	return out
}
