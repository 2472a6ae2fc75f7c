// Package cachekey computes the key that decides whether an image may be
// reused: a digest of every input the image is made from, kept on the image
// as labels so a later run can say which input changed.
package cachekey
