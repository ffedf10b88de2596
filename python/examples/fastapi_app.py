import os

from fastapi import Depends, FastAPI, Request

from tokenguard import AsyncJWKSClient
from tokenguard.fastapi import install, require_scopes

keys = AsyncJWKSClient(issuer=os.environ["ISSUER"], audiences="https://api.example.com")
app = FastAPI()
install(app, keys, realm="orders")


@app.get("/orders", dependencies=[Depends(require_scopes("orders:read"))])
def orders(request: Request) -> dict:
    return {"subject": request.state.token.subject}
