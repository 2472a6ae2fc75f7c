// Package vuln matches an image's packages against advisories in OSV
// format, read offline from a folder or zip, and judges the findings by a
// policy.
package vuln
