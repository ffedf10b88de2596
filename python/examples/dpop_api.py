import os

from fastapi import FastAPI, Request

from tokenguard import AsyncJWKSClient, DpopSettings
from tokenguard.fastapi import install

keys = AsyncJWKSClient(issuer=os.environ["ISSUER"], audiences="https://orders.example.com")
app = FastAPI()
install(app, keys, dpop=DpopSettings(os.environ["PUBLIC_URL"]), dpop_paths={"/orders"})


@app.get("/orders")
def orders(request: Request) -> dict:
    return {"client": request.state.token.client_id}
