package main

import "testing"

func TestGreeting(t *testing.T) {
	if got, want := greeting("x"), "hello, x, from zbackend unknown"; got != want {
		t.Fatalf("greeting = %q, want %q", got, want)
	}
}
