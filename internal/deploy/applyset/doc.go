// Package applyset names and describes a set of applied objects the way kubectl's ApplySets (KEP-3659) do.
package applyset
