module tokenguard.example/tokenguard

go 1.19
