package image

// Name joins a registry host, a repository and a tag into an image reference;
// an empty registry leaves the reference to the engine's default registry.
func Name(registry, repo, tag string) string {
	return NewRef(registry, repo, tag).String()
}
