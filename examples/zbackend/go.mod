module example.com/zbackend

go 1.22
