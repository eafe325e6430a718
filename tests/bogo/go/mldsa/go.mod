// The runner imports filippo.io/mldsa (ML-DSA keys for its certificates). This
// module stands in for it with the same API over Go's standard crypto/mldsa
// (Go 1.27+), so the runner builds offline. run.sh wires it with a replace directive.
module filippo.io/mldsa

go 1.27
