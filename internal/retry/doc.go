// Package retry is the one policy for network calls: how long a connection
// may stay silent, which failures deserve another attempt, and how many.
package retry
