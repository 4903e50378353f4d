package lambdaapi

import "sort"

// FunctionSummary is what a listing of every function shows of one.
type FunctionSummary struct {
	Region, Name, ARN string
	Runtime, Handler  string
	TimeoutSeconds    int
	MemorySizeMB      int
	LastModified      string // Lambda's format, 2006-01-02T15:04:05.000-0700
	// LocalDir is the directory a function registered with RegisterLocal
	// runs from; "" for functions created through the API.
	LocalDir string
}

// Functions lists the functions of every region, sorted by region, then
// name.
func (s *Service) Functions() []FunctionSummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []FunctionSummary
	for region, byName := range s.funcs {
		for name, fn := range byName {
			fs := FunctionSummary{
				Region: region, Name: name, ARN: s.arn(region, name),
				Runtime: fn.st.Runtime, Handler: fn.st.Handler,
				TimeoutSeconds: fn.st.Timeout, MemorySizeMB: fn.st.MemorySize,
				LastModified: fn.st.LastModified,
			}
			if fn.local != nil {
				fs.LocalDir = fn.local.dir
			}
			out = append(out, fs)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		return out[i].Name < out[j].Name
	})
	return out
}
