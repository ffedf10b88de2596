import os

from fastapi import FastAPI, Request

from tokenguard import (
    AsyncHybridValidator,
    AsyncIntrospector,
    AsyncJWKSClient,
    ClientSecretBasic,
    RedisRevocationList,
)
from tokenguard.fastapi import install

keys = AsyncJWKSClient(issuer=os.environ["ISSUER"], audiences="https://api.example.com")
introspector = AsyncIntrospector(
    os.environ["INTROSPECTION_URL"],
    keys.validator,
    ClientSecretBasic("orders-api", os.environ["CLIENT_SECRET"]),
)
revocations = RedisRevocationList(os.environ["REDIS_URL"])
revocations.start()
app = FastAPI()
validator = AsyncHybridValidator(keys, introspector, revocations)
install(app, validator, realm="orders", sensitive_paths={"/payments"})


@app.get("/orders")
def orders(request: Request) -> dict:
    return {"subject": request.state.token.subject}


@app.post("/payments")
def pay(request: Request) -> dict:
    return {"paid_by": request.state.token.subject}


@app.post("/logout")
def logout(request: Request) -> dict:
    revocations.revoke_token(request.state.token)
    return {"revoked": True}
