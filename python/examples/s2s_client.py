import os

import httpx

from tokenguard import PrivateKeyJwt, SigningKey, TokenClient

tokens = TokenClient(
    os.environ["TOKEN_ENDPOINT"],
    PrivateKeyJwt(os.environ["CLIENT_ID"], SigningKey.from_jwk(os.environ["CLIENT_JWK"])),
    scopes="orders:read",
    resource="https://orders.example.com",
    dpop_key=SigningKey.generate("ES256"),
)


def list_orders(url: str) -> dict:
    response = httpx.get(url, headers=tokens.headers("GET", url))
    response.raise_for_status()
    return response.json()
