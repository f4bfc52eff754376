//===- Dataset.cpp - labelled image sets on disk ---------------------------===//

#include "runtime/data/Dataset.h"
#include "runtime/data/Idx.h"
#include "runtime/support/Files.h"
#include "runtime/support/Strings.h"

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <jpeglib.h>

using namespace mlir::simclr;
using namespace mlir::simclr::data;
using runtime::Error;
using runtime::Expected;
using runtime::joinPath;
namespace fs = std::filesystem;

namespace {

Error error(const std::string &path, const std::string &message) {
  return runtime::makeError(path + ": error: " + message);
}

/// Images held as bytes [N, C, H, W] (IDX, CIFAR-10).
class ArrayDataset : public Dataset {
public:
  ArrayDataset(std::string location, int channels, int imageHeight, int imageWidth) {
    where = std::move(location);
    numChannels = channels;
    height = imageHeight;
    width = imageWidth;
  }
  Expected<Image> image(int64_t index) const override {
    size_t pixels = size_t(numChannels) * height * width;
    Image out{numChannels, height, width, std::vector<float>(pixels)};
    const uint8_t *from = bytes.data() + size_t(index) * pixels;
    for (size_t p = 0; p < pixels; ++p)
      out.pixels[p] = from[p] * (1.0f / 255.0f);
    return out;
  }
  void add(const uint8_t *image, int32_t label) {
    bytes.insert(bytes.end(), image, image + size_t(numChannels) * height * width);
    labelOf.push_back(label);
  }
  void setClasses(std::vector<std::string> names) { classes = std::move(names); }

private:
  std::vector<uint8_t> bytes;
};

/// `<directory>/<name>` or `<directory>/<name>.gz`, whichever exists ("" if neither).
std::string idxFile(const std::string &directory, const std::string &name) {
  for (const char *suffix : {".gz", ""})
    if (runtime::fileExists(joinPath(directory, name + suffix)))
      return joinPath(directory, name + suffix);
  return "";
}

Expected<std::unique_ptr<Dataset>> openIdx(const std::string &directory, Split split) {
  std::string prefix = split == Split::Train ? "train" : "t10k";
  std::string imagesPath = idxFile(directory, prefix + "-images-idx3-ubyte");
  std::string labelsPath = idxFile(directory, prefix + "-labels-idx1-ubyte");
  if (imagesPath.empty() || labelsPath.empty())
    return error(joinPath(directory, prefix + "-" +
                                         (imagesPath.empty() ? "images-idx3" : "labels-idx1") +
                                         "-ubyte.gz"),
                 "no such file (an IDX data set has train- and t10k- images and labels)");
  auto images = readIdx(imagesPath);
  if (!images)
    return images.takeError();
  auto labels = readIdx(labelsPath);
  if (!labels)
    return labels.takeError();
  if (images->dims.size() != 3)
    return error(imagesPath, "expected images [N, H, W], got " +
                                 std::to_string(images->dims.size()) + " dimensions");
  if (labels->dims.size() != 1 || labels->dims[0] != images->dims[0])
    return error(labelsPath,
                 "expected one label per image (" + std::to_string(images->dims[0]) + ")");
  int height = int(images->dims[1]), width = int(images->dims[2]);
  auto set = std::make_unique<ArrayDataset>(directory + " (IDX)", 1, height, width);
  int32_t classes = 0;
  for (int64_t i = 0; i < images->dims[0]; ++i) {
    set->add(images->values.data() + size_t(i) * height * width, labels->values[i]);
    classes = std::max<int32_t>(classes, labels->values[i] + 1);
  }
  std::vector<std::string> names;
  for (int32_t c = 0; c < classes; ++c)
    names.push_back(std::to_string(c));
  set->setClasses(std::move(names));
  return set;
}

/// The CIFAR-10 directory under `directory` ("" if there is none).
std::string cifarDirectory(const std::string &directory) {
  for (std::string candidate : {directory, joinPath(directory, "cifar-10-batches-bin")})
    if (runtime::fileExists(joinPath(candidate, "data_batch_1.bin")))
      return candidate;
  return "";
}

Expected<std::unique_ptr<Dataset>> openCifar10(const std::string &directory, Split split) {
  constexpr size_t record = 1 + 3 * 32 * 32;
  auto set = std::make_unique<ArrayDataset>(directory + " (CIFAR-10)", 3, 32, 32);
  std::vector<std::string> files;
  if (split == Split::Train)
    for (int b = 1; b <= 5; ++b)
      files.push_back(joinPath(directory, "data_batch_" + std::to_string(b) + ".bin"));
  else
    files.push_back(joinPath(directory, "test_batch.bin"));
  for (const std::string &path : files) {
    auto bytes = runtime::readFile(path);
    if (!bytes)
      return bytes.takeError();
    if (bytes->empty() || bytes->size() % record != 0)
      return error(path, "holds " + std::to_string(bytes->size()) +
                             " bytes, not a whole number of CIFAR-10 records (" +
                             std::to_string(record) + " bytes each)");
    for (size_t r = 0; r < bytes->size() / record; ++r) {
      const uint8_t *p = reinterpret_cast<const uint8_t *>(bytes->data()) + r * record;
      if (p[0] > 9)
        return error(path, "record " + std::to_string(r) + " has label " +
                               std::to_string(int(p[0])) + ", CIFAR-10 has classes 0-9");
      set->add(p + 1, p[0]);
    }
  }
  std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                    "dog",      "frog",       "horse", "ship", "truck"};
  std::string metaPath = joinPath(directory, "batches.meta.txt");
  if (runtime::fileExists(metaPath))
    if (auto meta = runtime::readFile(metaPath)) {
      std::vector<std::string_view> lines;
      for (std::string_view line : runtime::split(*meta, '\n'))
        if (!line.empty())
          lines.push_back(line);
      if (lines.size() >= 10)
        for (int c = 0; c < 10; ++c)
          names[c] = std::string(runtime::trim(lines[c]));
    }
  set->setClasses(std::move(names));
  return set;
}

/// ImageFolder: `<split>/<class>/**/*.jpg`, decoded when asked for.
class FolderDataset : public Dataset {
public:
  static Expected<std::unique_ptr<Dataset>> open(const std::string &root, Split split,
                                                 int channels, int64_t maxPixels);
  Expected<Image> image(int64_t index) const override {
    return decodeJpeg(joinPath(splitDirectory, imageNames[index]), numChannels, maxPixels);
  }

private:
  std::string splitDirectory;
  int64_t maxPixels = kDefaultMaxImagePixels;
};

bool isJpeg(const std::string &name) {
  std::string extension = fs::path(name).extension().string();
  for (char &c : extension)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  return extension == ".jpg" || extension == ".jpeg";
}

/// Sorted names of the sub-directories of `directory`.
Expected<std::vector<std::string>> subdirectories(const std::string &directory) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::error_code typeError;
    if (it->is_directory(typeError) && !runtime::startsWith(name, "."))
      names.push_back(name);
  }
  if (ec)
    return error(directory, ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

Expected<std::unique_ptr<Dataset>> FolderDataset::open(const std::string &root, Split split,
                                                       int channels, int64_t maxPixels) {
  if (channels != 1 && channels != 3)
    return error(root, "images are decoded to 1 or 3 channels, not " + std::to_string(channels));
  std::string trainDirectory = joinPath(root, "train");
  auto classes = subdirectories(trainDirectory);
  if (!classes)
    return classes.takeError();
  if (classes->empty())
    return error(trainDirectory, "no class directories (ImageFolder: train/<class>/*.jpg)");
  std::string directory = trainDirectory;
  if (split == Split::Test) {
    directory = joinPath(root, "val");
    if (!runtime::isDirectory(directory))
      directory = joinPath(root, "test");
    if (!runtime::isDirectory(directory))
      return error(joinPath(root, "val"), "no test images (ImageFolder: val/<class>/*.jpg or "
                                          "test/<class>/*.jpg)");
  }
  auto present = subdirectories(directory);
  if (!present)
    return present.takeError();
  std::map<std::string, int32_t> labelOfClass;
  for (size_t c = 0; c < classes->size(); ++c)
    labelOfClass[(*classes)[c]] = int32_t(c);
  auto set = std::unique_ptr<FolderDataset>(new FolderDataset());
  set->where = root + " (ImageFolder)";
  set->numChannels = channels;
  set->maxPixels = maxPixels;
  set->classes = *classes;
  set->splitDirectory = directory;
  int64_t skipped = 0;
  // Folders are followed through symbolic links, each once: a link back up the tree (a
  // loop) or a second link to a folder would list its images again, without end for a
  // loop or two.
  std::set<std::string> visited;
  auto firstVisit = [&](const fs::path &folder) {
    std::error_code ec;
    fs::path real = fs::canonical(folder, ec);
    return !ec && visited.insert(real.string()).second;
  };
  for (const std::string &name : *present) {
    auto label = labelOfClass.find(name);
    if (label == labelOfClass.end())
      return error(joinPath(directory, name),
                   "class '" + name + "' is not one of the training classes in " +
                       trainDirectory);
    std::vector<std::string> files;
    std::error_code ec;
    std::string classDirectory = joinPath(directory, name);
    if (!firstVisit(classDirectory))
      continue;
    for (fs::recursive_directory_iterator
             it(classDirectory, fs::directory_options::follow_directory_symlink, ec),
         end;
         !ec && it != end; it.increment(ec)) {
      std::error_code typeError;
      if (it->is_directory(typeError)) {
        if (!firstVisit(it->path()))
          it.disable_recursion_pending();
        continue;
      }
      std::string path = it->path().string();
      if (!isJpeg(path) || runtime::startsWith(it->path().filename().string(), ".")) {
        ++skipped;
        continue;
      }
      std::string_view relative = path;
      if (runtime::startsWith(relative, directory))
        relative.remove_prefix(directory.size());
      while (!relative.empty() && relative.front() == '/')
        relative.remove_prefix(1);
      files.emplace_back(relative);
    }
    if (ec)
      return error(classDirectory, ec.message());
    if (files.empty() && split == Split::Train)
      return error(classDirectory, "no JPEG images in class '" + name + "'");
    std::sort(files.begin(), files.end());
    for (std::string &file : files) {
      set->imageNames.push_back(std::move(file));
      set->labelOf.push_back(label->second);
    }
  }
  if (set->imageNames.empty())
    return error(directory, "no JPEG images");
  if (skipped)
    set->where += ", " + std::to_string(skipped) + " files that are not JPEG skipped";
  return std::unique_ptr<Dataset>(std::move(set));
}

/// libjpeg reports errors through a handler that must not return: it jumps back.
struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jpegFailed(j_common_ptr info) {
  auto *errors = reinterpret_cast<JpegErrors *>(info->err);
  (*info->err->format_message)(info, errors->message);
  std::longjmp(errors->jump, 1);
}

/// Warnings (level -1) are corrupt data that libjpeg would paper over: errors here.
void jpegMessage(j_common_ptr info, int level) {
  if (level < 0)
    jpegFailed(info);
}

} // namespace

Expected<Image> data::decodeJpeg(const std::string &path, int channels, int64_t maxPixels) {
  auto buffer = runtime::readFile(path);
  if (!buffer)
    return buffer.takeError();
  // Everything the jump may cross is made before setjmp and trivially kept after it.
  jpeg_decompress_struct info;
  JpegErrors errors;
  std::vector<uint8_t> row;
  Image out;
  info.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = jpegFailed;
  errors.manager.emit_message = jpegMessage;
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&info);
    return error(path, std::string("not a valid JPEG: ") + errors.message);
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char *>(buffer->data()),
               buffer->size());
  jpeg_read_header(&info, TRUE);
  // The header's size, checked before anything is allocated for it: a few hundred bytes
  // can claim 32769 x 65284 pixels.
  if (int64_t(info.image_width) * int64_t(info.image_height) > maxPixels) {
    std::string size = std::to_string(info.image_width) + " x " +
                       std::to_string(info.image_height);
    jpeg_destroy_decompress(&info);
    return error(path, "the JPEG claims " + size + " pixels, more than the limit of " +
                           std::to_string(maxPixels) + " (--max-image-pixels raises it)");
  }
  // CMYK (and YCCK) JPEGs, which photo tools write and ImageNet holds a few of, come out
  // as CMYK; libjpeg converts the rest.
  bool cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
  bool inverted = cmyk && info.saw_Adobe_marker; // Adobe's convention: 255 is no ink
  info.out_color_space = cmyk ? JCS_CMYK : channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&info);
  int height = int(info.output_height), width = int(info.output_width);
  int components = int(info.output_components);
  out.channels = channels;
  out.height = height;
  out.width = width;
  out.pixels.resize(size_t(channels) * height * width);
  row.resize(size_t(width) * components);
  while (info.output_scanline < info.output_height) {
    int y = int(info.output_scanline);
    JSAMPROW rows[1] = {row.data()};
    jpeg_read_scanlines(&info, rows, 1);
    for (int x = 0; x < width; ++x) {
      const uint8_t *p = &row[size_t(x) * components];
      if (!cmyk) {
        for (int c = 0; c < channels; ++c)
          out.at(c, y, x) = p[c] * (1.0f / 255.0f);
        continue;
      }
      // As PIL converts CMYK to RGB, (1 - C)(1 - K), then to gray (ITU-R 601-2 luma).
      float rgb[3];
      float black = (inverted ? p[3] : 255 - p[3]) * (1.0f / 255.0f);
      for (int c = 0; c < 3; ++c)
        rgb[c] = (inverted ? p[c] : 255 - p[c]) * (1.0f / 255.0f) * black;
      if (channels == 1)
        out.at(0, y, x) = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
      else
        for (int c = 0; c < 3; ++c)
          out.at(c, y, x) = rgb[c];
    }
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return out;
}

Image data::evaluationView(const Image &image, int height, int width) {
  if (image.height == height && image.width == width)
    return image;
  // The largest box of the network's aspect ratio, scaled by 0.875, centred.
  double scale = 0.875 * std::min(double(image.height) / height, double(image.width) / width);
  CropBox box;
  box.height = std::max(1, int(std::lround(height * scale)));
  box.width = std::max(1, int(std::lround(width * scale)));
  box.top = (image.height - box.height) / 2;
  box.left = (image.width - box.width) / 2;
  return resizedCrop(image, box, height, width);
}

Expected<std::unique_ptr<Dataset>> data::openDataset(const std::string &directory, Split split,
                                                     int channels, int64_t maxImagePixels) {
  if (!runtime::isDirectory(directory))
    return error(directory, "no such directory (--data names a data set's directory)");
  Expected<std::unique_ptr<Dataset>> set = std::unique_ptr<Dataset>();
  if (!idxFile(directory, "train-images-idx3-ubyte").empty())
    set = openIdx(directory, split);
  else if (std::string cifar = cifarDirectory(directory); !cifar.empty())
    set = openCifar10(cifar, split);
  else if (runtime::isDirectory(joinPath(directory, "train")))
    return FolderDataset::open(directory, split, channels, maxImagePixels);
  else
    return error(directory, "not a data set: expected IDX files (train-images-idx3-ubyte.gz, "
                            "...), CIFAR-10 batches (data_batch_1.bin, ...) or an "
                            "ImageFolder tree (train/<class>/*.jpg)");
  if (set && (*set)->channels() != channels)
    return error((*set)->location(), "the images have " + std::to_string((*set)->channels()) +
                                         " channel(s), the network takes " +
                                         std::to_string(channels));
  return set;
}
