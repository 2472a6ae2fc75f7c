// Package apply server-side applies a set of objects in dependency order and prunes the members of its ApplySet that left it.
package apply
