// Command docker-credential-xptest is a docker credential helper for tests: it answers
// `get` from the JSON file named by XPTEST_CREDENTIALS ({"server": {"Username", "Secret"}})
// and counts its answers in that file's name plus ".gets".
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	if len(os.Args) != 2 || os.Args[1] != "get" {
		fmt.Fprintln(os.Stderr, "docker-credential-xptest: only get is supported")
		os.Exit(1)
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	server := strings.TrimSpace(string(in))
	store := os.Getenv("XPTEST_CREDENTIALS")
	raw, err := os.ReadFile(store)
	if err != nil {
		fail(err)
	}
	var creds map[string]struct{ Username, Secret string }
	if err := json.Unmarshal(raw, &creds); err != nil {
		fail(err)
	}
	c, ok := creds[server]
	if !ok {
		// The protocol's words for "nothing stored", which clients treat as anonymous.
		fmt.Println("credentials not found in native keychain")
		os.Exit(1)
	}
	f, err := os.OpenFile(store+".gets", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fail(err)
	}
	fmt.Fprintln(f, server)
	f.Close()
	if err := json.NewEncoder(os.Stdout).Encode(map[string]string{"ServerURL": server, "Username": c.Username, "Secret": c.Secret}); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "docker-credential-xptest:", err)
	os.Exit(1)
}
