// Package gitauth finds the credentials and host keys a git remote needs
// where ssh and git users keep them, and sends each only to its own host.
package gitauth
