// Command dockerfile-check has BuildKit's own Dockerfile frontend parse,
// lint and convert the Dockerfile for each of its targets, as `docker build
// --check` does, with no Docker engine and no registry: base images are
// answered with a minimal linux/amd64 configuration. It exits 1 on a warning
// or an error. A module of its own, so that BuildKit is no dependency of
// firehose-local:
//
//	cd scripts/dockerfile-check && go run . ../../Dockerfile
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	digest "github.com/opencontainers/go-digest"
)

// offline answers every base image with a minimal linux/amd64 config: the
// registry cannot be reached here.
type offline struct{}

func (offline) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg := []byte(`{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}}`)
	return ref, digest.FromBytes(cfg), cfg, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-check DOCKERFILE")
		os.Exit(2)
	}
	dt, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	src := llb.Scratch()
	def, err := src.Marshal(context.Background())
	if err != nil {
		panic(err)
	}
	smap := llb.NewSourceMap(&src, "Dockerfile", "Dockerfile", dt)
	smap.Definition = def
	failed := false
	for _, target := range []string{"", "static"} {
		res, err := dockerfile2llb.DockerfileLint(context.Background(), dt, dockerfile2llb.ConvertOpt{
			Config:       dockerui.Config{Target: target},
			SourceMap:    smap,
			MetaResolver: offline{},
		})
		if err != nil {
			fmt.Println("target", target, "error:", err)
			os.Exit(1)
		}
		fmt.Printf("target %q: %d warnings\n", target, len(res.Warnings))
		if len(res.Warnings) > 0 {
			failed = true
		}
		for _, w := range res.Warnings {
			fmt.Printf("  %s: %s (%s) line %v\n", w.RuleName, w.Detail, w.URL, w.Location.Ranges)
		}
		if res.Error != nil {
			fmt.Println("  error:", res.Error.Message)
			os.Exit(1)
		}
	}
	if failed {
		os.Exit(1)
	}
}
