// Command zbackend is the demo's API service.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
)

var commit = "unknown"

func greeting(name string) string {
	if name == "" {
		name = "world"
	}
	return fmt.Sprintf("hello, %s, from zbackend %s", name, commit)
}

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	once := flag.Bool("once", false, "print a greeting and exit")
	flag.Parse()
	if *once {
		fmt.Println(greeting(os.Getenv("USER")))
		return
	}
	http.Handle("/site/", http.StripPrefix("/site/", http.FileServer(http.Dir("/app/www"))))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, greeting(r.URL.Query().Get("name")))
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
