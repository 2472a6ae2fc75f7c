// Package deploy puts one consistent set of service versions onto an environment's cluster: resolve their images, read what runs, render once, apply, track, record, and roll back on failure.
package deploy
