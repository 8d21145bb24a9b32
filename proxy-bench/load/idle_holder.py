"""Holds N idle keep-alive HTTP/1.1 connections to 127.0.0.1:PORT, each after one request.

Prints the number held once they all have their response head, then keeps them until its stdin
ends (the load scripts measure the proxy's memory in between).

    python3 idle_holder.py PORT N
"""
import socket
import sys

port, n = int(sys.argv[1]), int(sys.argv[2])
held = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: idle\r\n\r\n")
    d = b""
    while b"\r\n\r\n" not in d:
        d += s.recv(4096)
    held.append(s)
print(len(held), flush=True)
sys.stdin.read()
