// Package skaffold converts Skaffold configurations (skaffold.yaml, v2 and
// later) into a starting platform, listing what it could not convert.
package skaffold
