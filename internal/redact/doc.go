// Package redact hides secrets — URL passwords, tokens written as a URL's
// user, token query parameters and well-known token formats — in URLs,
// messages and errors before they are shown or stored.
package redact
