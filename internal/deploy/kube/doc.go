// Package kube connects to a Kubernetes cluster the way kubectl does, from kubeconfig loading rules.
package kube
