// Package ui writes what people and machines read: prefixed progress lines on
// stderr and the result of a command, as a table or one JSON document, on stdout.
package ui
