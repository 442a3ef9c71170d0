#include "engine/http/parse_error.h"

namespace tollgate::http {

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::kNone:
      return "none";
    case ParseError::kBadRequestLine:
      return "bad_request_line";
    case ParseError::kBadMethod:
      return "bad_method";
    case ParseError::kBadTarget:
      return "bad_target";
    case ParseError::kBadVersion:
      return "bad_version";
    case ParseError::kUnsupportedVersion:
      return "unsupported_version";
    case ParseError::kBadStatusLine:
      return "bad_status_line";
    case ParseError::kBareCr:
      return "bare_cr";
    case ParseError::kBareLf:
      return "bare_lf";
    case ParseError::kBadFieldName:
      return "bad_field_name";
    case ParseError::kWhitespaceBeforeColon:
      return "whitespace_before_colon";
    case ParseError::kObsFold:
      return "obs_fold";
    case ParseError::kBadFieldValue:
      return "bad_field_value";
    case ParseError::kTooManyHeaders:
      return "too_many_headers";
    case ParseError::kHeadTooLarge:
      return "head_too_large";
    case ParseError::kMissingHost:
      return "missing_host";
    case ParseError::kDuplicateHost:
      return "duplicate_host";
    case ParseError::kBadHost:
      return "bad_host";
    case ParseError::kBadContentLength:
      return "bad_content_length";
    case ParseError::kDuplicateContentLength:
      return "duplicate_content_length";
    case ParseError::kContentLengthWithChunked:
      return "content_length_with_transfer_encoding";
    case ParseError::kBadTransferEncoding:
      return "bad_transfer_encoding";
    case ParseError::kUnsupportedTransferCoding:
      return "unsupported_transfer_coding";
    case ParseError::kUnsupportedExpectation:
      return "unsupported_expectation";
    case ParseError::kBadUpgrade:
      return "bad_upgrade";
    case ParseError::kBodyTooLarge:
      return "body_too_large";
    case ParseError::kBadChunkSize:
      return "bad_chunk_size";
    case ParseError::kBadChunkExtension:
      return "bad_chunk_extension";
    case ParseError::kChunkLineTooLong:
      return "chunk_line_too_long";
    case ParseError::kBadChunkEnd:
      return "bad_chunk_end";
    case ParseError::kTrailerTooLarge:
      return "trailer_too_large";
  }
  return "unknown";
}

uint16_t status_for(ParseError e) {
  switch (e) {
    case ParseError::kNone:
      return 0;
    case ParseError::kUnsupportedVersion:
      return 505;
    case ParseError::kTooManyHeaders:
    case ParseError::kHeadTooLarge:
    case ParseError::kTrailerTooLarge:
      return 431;
    case ParseError::kBodyTooLarge:
      return 413;
    case ParseError::kUnsupportedTransferCoding:
      return 501;
    case ParseError::kUnsupportedExpectation:
      return 417;
    default:
      return 400;
  }
}

}  // namespace tollgate::http
