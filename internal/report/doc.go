// Package report is what a command prints on stdout: the documents'
// types, their tables for people, the Markdown of a CI job summary, and
// the one JSON encoder every --output json goes through. It imports no
// other package of the program but redact and shortsha, so a document's
// shape changes only here; commands and the packages that do the work
// fill these types in.
package report
