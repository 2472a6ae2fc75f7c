// Package object names Kubernetes objects the same way across rendering, applying, tracking and release records.
package object
