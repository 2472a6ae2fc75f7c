// Package flock takes advisory file locks that record who holds them, so a
// run that cannot take one can say which run it is waiting for.
package flock
