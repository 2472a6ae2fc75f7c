// Package engine finds the Docker engine the user means — DOCKER_HOST, a docker context or a known socket — and connects to it as the docker CLI would.
package engine
