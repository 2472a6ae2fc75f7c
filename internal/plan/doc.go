// Package plan decides which services a command works on; it does no I/O.
package plan
