package report

// ActionPinned reports a service whose reference was set in the manifest.
const ActionPinned Action = "pinned"
