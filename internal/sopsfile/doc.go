// Package sopsfile decrypts and encrypts SOPS YAML files with age keys, in memory.
package sopsfile
