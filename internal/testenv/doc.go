// Package testenv starts the real parts tests need: the Docker engine with locally made base
// images, a container registry on loopback, git remotes, and a Kubernetes control plane
// (etcd, kube-apiserver, controller-manager, scheduler and kwok) run as local processes.
package testenv
