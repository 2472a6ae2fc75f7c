// Package cleanup gathers what a registry cleanup must know — the
// registry's images, every environment's release records, the lock files in
// the platform repository's history and each service's git refs — plans
// with the retention rules, and deletes what the plan lets go, checking
// again just before each delete.
package cleanup
