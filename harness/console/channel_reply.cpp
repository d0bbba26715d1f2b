#include "console/channel_reply.hpp"

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/safe_text.hpp"

namespace hurdle {

ChannelReply::ChannelReply(std::string nonce, std::size_t limit)
    : nonce_(std::move(nonce)), lines_(kMaxLine), out_(limit), err_(limit) {}

bool ChannelReply::feed(std::string_view bytes) {
  lines_.feed(
      bytes,
      [&](std::string_view text) {
        ++line_count_;
        line(text);
      },
      [&](std::size_t) {
        throw ConsoleError("the command channel sent a line of more than " +
                           std::to_string(kMaxLine) + " bytes " + progress() + " (line " +
                           std::to_string(line_count_ + 1) + ")");
      });
  return done();
}

void ChannelReply::line(std::string_view text) {
  const auto is = [&](std::string_view word) {
    return text.size() == nonce_.size() + 1 + word.size() &&
           text.substr(0, nonce_.size()) == nonce_ && text[nonce_.size()] == ' ' &&
           text.substr(nonce_.size() + 1) == word;
  };
  switch (part_) {
    case Part::kBefore:
      if (is("out")) {
        part_ = Part::kOut;
        return;
      }
      if (text.empty()) return;  // the reply starts on a line of its own
      before_bytes_ += text.size() + 1;
      if (before_.size() < kKeptJunk)
        before_.append(text.substr(0, kKeptJunk - before_.size())).append("\n");
      return;
    case Part::kOut:
      if (is("err")) {
        part_ = Part::kErr;
        return;
      }
      decoded(text, out_);
      return;
    case Part::kErr: {
      const std::string status_word = nonce_ + " status ";
      if (text.substr(0, status_word.size()) == status_word) {
        const std::string_view number = text.substr(status_word.size());
        int status = 0;
        bool ok = !number.empty() && number.size() <= 3;
        for (const char c : number) {
          if (c < '0' || c > '9') ok = false;
          status = status * 10 + (c - '0');
        }
        if (!ok || status > 255) {
          throw ConsoleError(
              "the command channel sent the status '" + safe_line(utf8_head(number, 40)) +
              "', expected a number from 0 to 255 (line " + std::to_string(line_count_) + ")");
        }
        status_ = status;
        part_ = Part::kDone;
        return;
      }
      decoded(text, err_);
      return;
    }
    case Part::kDone:
      return;
  }
}

void ChannelReply::decoded(std::string_view text, BoundedOutput& into) {
  const auto bytes = base64_decode(text);
  if (!bytes) {
    throw ConsoleError("the command channel sent '" + safe_line(utf8_head(text, 80)) + "' " +
                       progress() + ", expected base64 (line " + std::to_string(line_count_) + ")");
  }
  into.append(bytes->data(), bytes->size());
}

ChannelResult ChannelReply::result() const {
  ChannelResult r;
  r.exit_status = status_;
  r.out = out_.text();
  r.err = err_.text();
  r.out_bytes = out_.total();
  r.err_bytes = err_.total();
  return r;
}

std::string ChannelReply::progress() const {
  switch (part_) {
    case Part::kBefore:
      return "before the reply's start";
    case Part::kOut:
      return "in the command's stdout";
    case Part::kErr:
      return "in the command's stderr";
    case Part::kDone:
      return "after the status";
  }
  return "";
}

}  // namespace hurdle
