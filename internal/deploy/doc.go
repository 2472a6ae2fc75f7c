// Package deploy puts one consistent set of service versions onto a cluster: render, apply, track, record, and roll back on failure.
package deploy
