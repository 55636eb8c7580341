"""KMS errors as kmsmock sends them on the wire.

One class per error code of botocore's KMS model, plus the unmodelled errors AWS also
sends (validation, access, serialization, authentication). Every recorded KMS client
error came back with HTTP 400, whatever its Smithy ``httpError`` trait says (reference
section 14), so 400 is the default; only the three server faults keep their 5xx status,
which makes botocore retry them as it would against AWS. No authentication error was
recorded; they take the same 400.
"""

from __future__ import annotations


class KMSError(Exception):
    """An error that kmsmock answers on the wire, as AWS would."""

    code: str = "KMSError"
    status: int = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ValidationException(KMSError):
    code = "ValidationException"


class AccessDeniedException(KMSError):
    code = "AccessDeniedException"


class SerializationException(KMSError):
    code = "SerializationException"


class UnknownOperationException(KMSError):
    code = "UnknownOperationException"


class MissingAuthenticationTokenException(KMSError):
    code = "MissingAuthenticationTokenException"


class UnrecognizedClientException(KMSError):
    code = "UnrecognizedClientException"


class InvalidSignatureException(KMSError):
    code = "InvalidSignatureException"


class IncompleteSignatureException(KMSError):
    code = "IncompleteSignatureException"


class AlreadyExistsException(KMSError):
    code = "AlreadyExistsException"


class CloudHsmClusterInUseException(KMSError):
    code = "CloudHsmClusterInUseException"


class CloudHsmClusterInvalidConfigurationException(KMSError):
    code = "CloudHsmClusterInvalidConfigurationException"


class CloudHsmClusterNotActiveException(KMSError):
    code = "CloudHsmClusterNotActiveException"


class CloudHsmClusterNotFoundException(KMSError):
    code = "CloudHsmClusterNotFoundException"


class CloudHsmClusterNotRelatedException(KMSError):
    code = "CloudHsmClusterNotRelatedException"


class ConflictException(KMSError):
    code = "ConflictException"


class CustomKeyStoreHasCMKsException(KMSError):
    code = "CustomKeyStoreHasCMKsException"


class CustomKeyStoreInvalidStateException(KMSError):
    code = "CustomKeyStoreInvalidStateException"


class CustomKeyStoreNameInUseException(KMSError):
    code = "CustomKeyStoreNameInUseException"


class CustomKeyStoreNotFoundException(KMSError):
    code = "CustomKeyStoreNotFoundException"


class DependencyTimeoutException(KMSError):
    code = "DependencyTimeoutException"
    status = 503


class DisabledException(KMSError):
    code = "DisabledException"


class DryRunOperationException(KMSError):
    code = "DryRunOperationException"


class ExpiredImportTokenException(KMSError):
    code = "ExpiredImportTokenException"


class IncorrectKeyException(KMSError):
    code = "IncorrectKeyException"


class IncorrectKeyMaterialException(KMSError):
    code = "IncorrectKeyMaterialException"


class IncorrectTrustAnchorException(KMSError):
    code = "IncorrectTrustAnchorException"


class InvalidAliasNameException(KMSError):
    code = "InvalidAliasNameException"


class InvalidArnException(KMSError):
    code = "InvalidArnException"


class InvalidCiphertextException(KMSError):
    code = "InvalidCiphertextException"


class InvalidGrantIdException(KMSError):
    code = "InvalidGrantIdException"


class InvalidGrantTokenException(KMSError):
    code = "InvalidGrantTokenException"


class InvalidImportTokenException(KMSError):
    code = "InvalidImportTokenException"


class InvalidKeyUsageException(KMSError):
    code = "InvalidKeyUsageException"


class InvalidMarkerException(KMSError):
    code = "InvalidMarkerException"


class KMSInternalException(KMSError):
    code = "KMSInternalException"
    status = 500


class KMSInvalidMacException(KMSError):
    code = "KMSInvalidMacException"


class KMSInvalidSignatureException(KMSError):
    code = "KMSInvalidSignatureException"


class KMSInvalidStateException(KMSError):
    code = "KMSInvalidStateException"


class KeyUnavailableException(KMSError):
    code = "KeyUnavailableException"
    status = 500


class LimitExceededException(KMSError):
    code = "LimitExceededException"


class MalformedPolicyDocumentException(KMSError):
    code = "MalformedPolicyDocumentException"


class NotFoundException(KMSError):
    code = "NotFoundException"


class TagException(KMSError):
    code = "TagException"


class UnsupportedOperationException(KMSError):
    code = "UnsupportedOperationException"


class XksKeyAlreadyInUseException(KMSError):
    code = "XksKeyAlreadyInUseException"


class XksKeyInvalidConfigurationException(KMSError):
    code = "XksKeyInvalidConfigurationException"


class XksKeyNotFoundException(KMSError):
    code = "XksKeyNotFoundException"


class XksProxyIncorrectAuthenticationCredentialException(KMSError):
    code = "XksProxyIncorrectAuthenticationCredentialException"


class XksProxyInvalidConfigurationException(KMSError):
    code = "XksProxyInvalidConfigurationException"


class XksProxyInvalidResponseException(KMSError):
    code = "XksProxyInvalidResponseException"


class XksProxyUriEndpointInUseException(KMSError):
    code = "XksProxyUriEndpointInUseException"


class XksProxyUriInUseException(KMSError):
    code = "XksProxyUriInUseException"


class XksProxyUriUnreachableException(KMSError):
    code = "XksProxyUriUnreachableException"


class XksProxyVpcEndpointServiceInUseException(KMSError):
    code = "XksProxyVpcEndpointServiceInUseException"


class XksProxyVpcEndpointServiceInvalidConfigurationException(KMSError):
    code = "XksProxyVpcEndpointServiceInvalidConfigurationException"


class XksProxyVpcEndpointServiceNotFoundException(KMSError):
    code = "XksProxyVpcEndpointServiceNotFoundException"


BY_CODE: dict[str, type[KMSError]] = {cls.code: cls for cls in KMSError.__subclasses__()}
