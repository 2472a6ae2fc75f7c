// Package sshmux runs git-upload-pack in sessions of one shared ssh
// connection per host, user and keys, as OpenSSH's ControlMaster does,
// instead of one connection per fetch or listing.
package sshmux
