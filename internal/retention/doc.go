// Package retention decides, without any I/O, which images of a registry a
// cleanup keeps and which it deletes, and says why for each.
package retention
