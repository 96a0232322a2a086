package recording

// IsRecordingName reports whether Walk and WalkFS read a file of this name
// when they walk a folder (by its extension: .yaml, .yml, .har or .json).
// A tool that writes into a folder of recordings uses it to keep its output
// from being read as one.
func IsRecordingName(name string) bool { return isRecordingName(name) }
