package contract

// RewordMessages replaces every message template with a reworded one (the
// same verbs, other words) and returns the function that restores them.
// Tests that call it must not run in parallel with others of the package.
func RewordMessages() (restore func()) {
	saved := make(map[message]string, len(templates))
	for m, t := range templates {
		saved[m] = t
		templates[m] = "REWORDED<" + t + ">"
	}
	return func() {
		for m, t := range saved {
			templates[m] = t
		}
	}
}
