package recording

// Marshal returns what Save would write.
func (r *Recorder) Marshal() ([]byte, error) { return r.marshal() }
