module handclasp-interop

go 1.27
