// Package pipeline runs a build plan: per service it syncs the checkout, then
// reuses the commit's image when it exists locally or in the registry, or
// builds, tests, tags and pushes it; independent services run in parallel.
package pipeline
