import os

from fastapi import FastAPI, Request

from tokenguard import AsyncJWKSClient, ClientCertificateHeader
from tokenguard.fastapi import install

keys = AsyncJWKSClient(issuer=os.environ["ISSUER"], audiences="https://orders.example.com")
# nginx terminates mutual TLS and sets X-Client-Cert: $ssl_client_escaped_cert.
proxy = ClientCertificateHeader(trusted_proxies=[os.environ["PROXY_ADDRESS"]])
app = FastAPI()
install(app, keys, client_certificate=proxy, certificate_paths={"/internal/orders"})


@app.get("/internal/orders")
def internal_orders(request: Request) -> dict:
    return {"client": request.state.token.client_id}
